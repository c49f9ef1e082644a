-- Usernames and addresses are unique and looked up by identifierKey (src/core/username.ts: NFKC and a
-- full Unicode case fold), stored in username_key / email_key; the lower() indexes folded ASCII only.
-- SQL cannot compute that key, except for ASCII, where it is lower(). So ASCII rows get their key here
-- and every other row gets `PENDING:<id>`, which the cron (src/core/identifier-keys.ts) replaces with
-- the real key within minutes (README, "Upgrading"). Neither can collide: ASCII keys were unique
-- under the old lower() indexes, and markers carry the row id. DEFAULT '' only lets SQLite add a
-- NOT NULL column to existing rows; the application always writes both keys.
DROP INDEX `users_username_lower`;--> statement-breakpoint
DROP INDEX `users_email_lower`;--> statement-breakpoint
ALTER TABLE `users` ADD `username_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email_key` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `users` SET
  `username_key` = iif(`username` GLOB '*[^ -~]*', 'PENDING:' || `id`, lower(`username`)),
  `email_key` = iif(`email` GLOB '*[^ -~]*', 'PENDING:' || `id`, lower(`email`));--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email_key`) WHERE "users"."email_key" <> '';
