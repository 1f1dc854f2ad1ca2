-- Offline lockouts double on each repeat until a good sign-in, up to an hour, as the server's do:
-- how many this desk has imposed on a user since their last good sign-in here.
ALTER TABLE sign_ins ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
