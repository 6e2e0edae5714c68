-- tokenomics usage roll-up: a LiteLLM gateway's spend logs (one row per request) rolled up to one row per
-- (date, team, provider, model, input_band_tokens), in the kit's own CSV format (tokenomics.usage.NORMALISED_COLUMNS).
--
-- Source: the table "LiteLLM_SpendLogs" of a LiteLLM proxy's database, with the columns LiteLLM's schema.prisma gives it:
--   https://github.com/BerriAI/litellm/blob/029f645f1c81cbd6c6c48fbc8490d91da937066f/schema.prisma
-- Cache tokens are not columns there: LiteLLM keeps the provider's usage object in metadata.usage_object
-- (litellm/proxy/spend_tracking/spend_tracking_utils.py, _get_spend_logs_metadata).
--
-- Run it in your own warehouse: DuckDB and PostgreSQL run this file as it is. Elsewhere only the JSON look-ups change:
-- x -> 'key' (a JSON value) and x ->> 'key' (its text) become get_json_object(metadata, '$.usage_object.key') in Spark SQL
-- and Databricks, JSON_VALUE(metadata, '$.usage_object.key') in BigQuery, metadata:usage_object:key in Snowflake.
-- Save the result as CSV with its header and hand it to tokenomics.read_usage, which reads it as the kit's own format.
-- To roll up LiteLLM's daily team table instead, put litellm_daily_team_spend_rows.sql between the usage_rows markers.
--
-- Columns:
--   date                         UTC calendar day of "startTime"
--   team                         team_id; 'no team' where the request had none
--   provider                     custom_llm_provider, else the prefix of a 'provider/model' name, else 'unknown'
--   model                        model as LiteLLM logged it
--   requests                     number of requests (rows)
--   input_uncached_tokens        prompt_tokens less cache reads and cache writes: LiteLLM's prompt_tokens counts every
--                                input token (it adds Anthropic's cache reads and writes to it; OpenAI's and Gemini's
--                                cached tokens are part of it already)
--   input_cache_read_tokens      usage_object.cache_read_input_tokens, else usage_object.prompt_tokens_details.cached_tokens
--   input_cache_write_tokens     usage_object.cache_creation_input_tokens, else prompt_tokens_details.cache_creation_tokens
--   input_cache_write_1h_tokens  the part of the writes with a 1-hour TTL, from
--                                prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens; the rest
--                                are 5-minute writes
--   output_tokens                completion_tokens
--   recorded_usd                 spend, LiteLLM's own cost of the requests, summed over the rows that have one; NULL only
--                                where no row of the group has one
--   input_band_tokens            lower edge of the request's input-size band: the largest edge strictly below its input
--                                tokens (prompt_tokens), else 0. The edges are every long-context price threshold of the
--                                genai-prices catalog (tokenomics.usage.INPUT_BAND_EDGES_TOKENS), so all requests of a row
--                                fall in one price tier, and so does the row's mean request.
-- A request that breaks these invariants (a negative count, cache tokens above prompt_tokens, 1-hour writes above all
-- writes) makes its group's token totals NaN instead of a plausible wrong sum; tokenomics then names the broken row.

WITH usage_rows AS (
    -- usage_rows: begin (LiteLLM_SpendLogs, one row per request)
    SELECT
        CAST("startTime" AS DATE) AS date,
        team_id AS team,
        custom_llm_provider AS provider,
        model,
        1 AS requests,
        prompt_tokens - cache_read_tokens - cache_write_tokens AS input_uncached_tokens,
        cache_read_tokens AS input_cache_read_tokens,
        cache_write_tokens AS input_cache_write_tokens,
        cache_write_1h_tokens AS input_cache_write_1h_tokens,
        completion_tokens AS output_tokens,
        spend AS recorded_usd,
        -- input_band_tokens: begin
        CASE
            WHEN prompt_tokens > 524288 THEN 524288
            WHEN prompt_tokens > 512000 THEN 512000
            WHEN prompt_tokens > 272000 THEN 272000
            WHEN prompt_tokens > 256000 THEN 256000
            WHEN prompt_tokens > 200000 THEN 200000
            WHEN prompt_tokens > 199999 THEN 199999
            WHEN prompt_tokens > 128000 THEN 128000
            WHEN prompt_tokens > 100000 THEN 100000
            WHEN prompt_tokens > 32000 THEN 32000
            ELSE 0
        END AS input_band_tokens
        -- input_band_tokens: end
    FROM (
        SELECT
            "startTime", team_id, custom_llm_provider, model, prompt_tokens, completion_tokens, spend,
            COALESCE(CAST(usage_object ->> 'cache_read_input_tokens' AS DOUBLE PRECISION),
                     CAST(usage_object -> 'prompt_tokens_details' ->> 'cached_tokens' AS DOUBLE PRECISION),
                     0) AS cache_read_tokens,
            COALESCE(CAST(usage_object ->> 'cache_creation_input_tokens' AS DOUBLE PRECISION),
                     CAST(usage_object -> 'prompt_tokens_details' ->> 'cache_creation_tokens' AS DOUBLE PRECISION),
                     0) AS cache_write_tokens,
            COALESCE(CAST(usage_object -> 'prompt_tokens_details' -> 'cache_creation_token_details'
                          ->> 'ephemeral_1h_input_tokens' AS DOUBLE PRECISION),
                     0) AS cache_write_1h_tokens
        FROM (
            SELECT
                "startTime", team_id, custom_llm_provider, model, prompt_tokens, completion_tokens, spend,
                metadata -> 'usage_object' AS usage_object
            FROM "LiteLLM_SpendLogs"
        ) AS spend_logs
    ) AS requests
    -- usage_rows: end
)
SELECT
    date, team, provider, model,
    CAST(SUM(requests) AS DOUBLE PRECISION) AS requests,
    SUM(input_uncached_tokens * checked) AS input_uncached_tokens,
    SUM(input_cache_read_tokens * checked) AS input_cache_read_tokens,
    SUM(input_cache_write_tokens * checked) AS input_cache_write_tokens,
    SUM(input_cache_write_1h_tokens * checked) AS input_cache_write_1h_tokens,
    SUM(output_tokens * checked) AS output_tokens,
    SUM(recorded_usd) AS recorded_usd,
    input_band_tokens
FROM (
    SELECT
        date,
        COALESCE(NULLIF(team, ''), 'no team') AS team,
        COALESCE(NULLIF(provider, ''),
                 CASE WHEN POSITION('/' IN model) > 0 THEN SPLIT_PART(model, '/', 1) ELSE 'unknown' END) AS provider,
        COALESCE(NULLIF(model, ''), 'unknown') AS model,
        requests, input_uncached_tokens, input_cache_read_tokens, input_cache_write_tokens, input_cache_write_1h_tokens,
        output_tokens, recorded_usd, input_band_tokens,
        CASE
            WHEN input_uncached_tokens >= 0 AND input_cache_read_tokens >= 0 AND input_cache_write_tokens >= 0
                 AND input_cache_write_1h_tokens >= 0 AND input_cache_write_1h_tokens <= input_cache_write_tokens
                 AND output_tokens >= 0
            THEN CAST(1 AS DOUBLE PRECISION)
            ELSE CAST('NaN' AS DOUBLE PRECISION)
        END AS checked
    FROM usage_rows
) AS checked_rows
GROUP BY date, team, provider, model, input_band_tokens
ORDER BY date, team, provider, model, input_band_tokens
