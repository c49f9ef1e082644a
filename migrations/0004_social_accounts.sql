CREATE TABLE `social_accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`provider` text NOT NULL,
	`uid` text NOT NULL,
	`extra_data` text DEFAULT '{}' NOT NULL,
	`date_joined` integer NOT NULL,
	`last_login` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `social_accounts_provider_uid` ON `social_accounts` (`provider`,`uid`);--> statement-breakpoint
CREATE INDEX `social_accounts_user` ON `social_accounts` (`user_id`);