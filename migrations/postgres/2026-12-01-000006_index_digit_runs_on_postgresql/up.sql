-- Every run of four digits in a record's search text, for the phone search. At 1M records
-- each digit trigram is in tens of thousands of records, and the trigram index ANDed five
-- of them for "1313425" (870 req/s, p99 32 ms); two four-digit runs are in about a
-- thousand each. The same runs SQLite keeps in customer_search_grams ('n' + digits);
-- LIKE on search_text still decides the match. An expression index: nothing to write.
CREATE FUNCTION dossier_digit_runs(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(DISTINCT substr(m[1], i, 4)), '{}')
        FROM regexp_matches(t, '[0-9]{4,}', 'g') AS m,
             generate_series(1, length(m[1]) - 3) AS i
    $$;

CREATE INDEX customers_digit_runs ON customers USING gin (dossier_digit_runs(search_text));
