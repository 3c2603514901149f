-- The entries keep their filter tokens, which the earlier searches never ask for.
DELETE FROM app_flags WHERE name = 'rebuild_search_grams';
