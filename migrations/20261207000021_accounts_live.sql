-- Every desk hears at once that someone's credentials changed (a new password, another role,
-- deactivated or back: a new credential generation) or that a role's permissions did, as
-- 'account:<user or role id>' on `desk_changed`. A desk drops the offline sign-ins the server no
-- longer stands behind then, not only at its next full refresh: a desk that stays online for days
-- and then loses its server lets nobody in on what it was told before.
CREATE TRIGGER users_desk_changed AFTER UPDATE ON users
    FOR EACH ROW WHEN (NEW.credential_generation IS DISTINCT FROM OLD.credential_generation)
    EXECUTE FUNCTION desk_changed('account', 'id');
CREATE TRIGGER roles_desk_changed AFTER UPDATE ON roles
    FOR EACH ROW WHEN (NEW.permissions IS DISTINCT FROM OLD.permissions)
    EXECUTE FUNCTION desk_changed('account', 'id');
