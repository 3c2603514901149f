-- Nothing on PostgreSQL: its name pieces (customer_grams) stay as they are, and its
-- filters use the status, type and community indexes (000601). SQLite's version of this
-- migration adds the filtered values to its token index.
SELECT 1;
