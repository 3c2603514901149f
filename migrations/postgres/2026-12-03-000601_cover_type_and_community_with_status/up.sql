-- The name-piece search narrowed by type or community (q=王&type=vip) is a merge join of
-- customer_grams with one of these indexes, newest id first. Every search also checks
-- status <> 'archived': with status in the index the join reads index entries only,
-- where it fetched each candidate's row (100k records, q=王&type=vip: 2.1 -> 0.7 ms;
-- with a community the planner walked the whole table by id instead: 40 -> 0.8 ms).
CREATE INDEX customers_type_status ON customers (customer_type, id) INCLUDE (status);
DROP INDEX customers_type;
CREATE INDEX customers_community_status ON customers (community, id) INCLUDE (status);
DROP INDEX customers_community;
