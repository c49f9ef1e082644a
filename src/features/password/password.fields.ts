// Field rules shared by the password declarations and handlers.
import * as z from "zod/mini";
import { charField, lazySchema } from "../../http/validation";

/** Django's SetPasswordForm fields: untrimmed, at most 128 characters. */
export const passwordField = () => charField({ trim: false, max: 128 });

/** Seed-004 names, read only when the canonical name is absent. */
export const newPasswordAliases = { new_password1: "new_password", new_password2: "confirm_password" };

/** The two new-password fields alone (seed-004 path form of confirm, and set-new). */
export const newPasswordBody = lazySchema(() => z.object({ new_password1: passwordField(), new_password2: passwordField() }));

export const RESET_DONE = { detail: "Password has been reset with the new password." };
