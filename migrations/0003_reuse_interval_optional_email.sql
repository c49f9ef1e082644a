DROP INDEX `users_email_lower`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_lower` ON `users` (lower("email")) WHERE "users"."email" <> '';--> statement-breakpoint
ALTER TABLE `token_families` ADD `previous_jti` text;--> statement-breakpoint
ALTER TABLE `token_families` ADD `rotated_at` integer;