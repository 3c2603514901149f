DROP TRIGGER audit_log_no_change ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE login_attempts;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE communities;
DROP TABLE offices;
