DROP INDEX customers_digit_runs;
DROP FUNCTION dossier_digit_runs(text);
