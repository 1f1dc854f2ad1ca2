-- Expense categories are part of the clinic's set-up the desks keep for when the server is away
-- (an expense recorded offline names one): a change to them is announced like the catalog's.
CREATE TRIGGER expense_categories_desk_changed AFTER INSERT OR UPDATE ON expense_categories
    FOR EACH ROW EXECUTE FUNCTION desk_changed('setup', 'id');
