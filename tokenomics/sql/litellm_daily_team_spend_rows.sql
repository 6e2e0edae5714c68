-- usage_rows of LiteLLM's daily team spend: put this SELECT between the usage_rows markers of usage_rollup.sql to roll
-- up "LiteLLM_DailyTeamSpend" instead of the spend logs. LiteLLM already sums its spend logs into this table, one row per
-- (team_id, date, api_key, model, custom_llm_provider, mcp_namespaced_tool_name, endpoint); columns as in
-- https://github.com/BerriAI/litellm/blob/029f645f1c81cbd6c6c48fbc8490d91da937066f/schema.prisma
-- prompt_tokens counts cache reads and writes, as in the spend logs it sums. The table does not split cache writes by
-- TTL, so all its writes count as 5-minute writes, and its rows mix requests of every size, so input_band_tokens is 0.
    SELECT
        CAST(date AS DATE) AS date,
        team_id AS team,
        custom_llm_provider AS provider,
        model,
        api_requests AS requests,
        prompt_tokens - cache_read_input_tokens - cache_creation_input_tokens AS input_uncached_tokens,
        cache_read_input_tokens AS input_cache_read_tokens,
        cache_creation_input_tokens AS input_cache_write_tokens,
        0 AS input_cache_write_1h_tokens,
        completion_tokens AS output_tokens,
        spend AS recorded_usd,
        0 AS input_band_tokens
    FROM "LiteLLM_DailyTeamSpend"
