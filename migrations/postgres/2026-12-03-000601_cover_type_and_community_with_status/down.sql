CREATE INDEX customers_community ON customers (community, id);
DROP INDEX customers_community_status;
CREATE INDEX customers_type ON customers (customer_type, id);
DROP INDEX customers_type_status;
