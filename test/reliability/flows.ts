// The write flows the reliability tests drive, one small table: how to set a flow up and which one
// request performs it. A flow merged later (social first login, ...) is covered by adding a line.
import { totpCode } from "../../src/features/mfa/mfa.fixtures";
import { call, type CallOptions, confirmationKeyFor, linkIn, loggedIn, mailTo, newIdentity } from "../helpers";

export interface FlowRequest extends CallOptions {
  method: string;
  path: string;
}

export interface WriteFlow {
  name: string;
  /** Brings D1 to the state just before the request (through the API, without faults). */
  setup: () => Promise<FlowRequest>;
  /** The request's answer when nothing fails. */
  status: number;
}

const NEW_PASSWORD = "a brand new passphrase 42";

export const WRITE_FLOWS: WriteFlow[] = [
  {
    name: "registration",
    status: 201,
    setup: async () => {
      const me = newIdentity("fault");
      return { method: "POST", path: "/auth/registration/", body: { username: me.username, email: me.email, password1: me.password, password2: me.password } };
    },
  },
  {
    name: "registration with tokens (family in the same batch)",
    status: 201,
    setup: async () => {
      const me = newIdentity("fault");
      return {
        method: "POST",
        path: "/auth/registration/",
        env: { ACCOUNT_EMAIL_VERIFICATION: "optional" },
        body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
      };
    },
  },
  {
    name: "login",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      return { method: "POST", path: "/auth/login/", body: { username: me.username, password: me.password } };
    },
  },
  {
    name: "password change",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      return {
        method: "POST",
        path: "/auth/password/change/",
        token: me.access,
        body: { old_password: me.password, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD },
      };
    },
  },
  {
    name: "password reset confirm",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      await call("POST", "/auth/password/reset/", { body: { email: me.email } });
      const mail = mailTo(me.email).find((m) => m.subject.includes("Password reset"))!;
      const [uid, token] = new URL(linkIn(mail)).pathname.split("/").filter(Boolean).slice(-2);
      return { method: "POST", path: "/auth/password/reset/confirm/", body: { uid, token, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD } };
    },
  },
  {
    name: "e-mail change request",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      return { method: "POST", path: "/auth/email/change/", token: me.access, body: { email: `new-${me.email}`, password: me.password } };
    },
  },
  {
    name: "e-mail change confirm",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      await call("POST", "/auth/email/change/", { token: me.access, body: { email: `new-${me.email}`, password: me.password } });
      return { method: "POST", path: "/auth/registration/verify-email/", body: { key: confirmationKeyFor(`new-${me.email}`) } };
    },
  },
  {
    name: "e-mail verification",
    status: 200,
    setup: async () => {
      const me = newIdentity("fault");
      await call("POST", "/auth/registration/", { body: { username: me.username, email: me.email, password1: me.password, password2: me.password } });
      return { method: "POST", path: "/auth/registration/verify-email/", body: { key: confirmationKeyFor(me.email) } };
    },
  },
  {
    name: "MFA activation",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      const setup = await call("POST", "/auth/mfa/totp/setup/", { token: me.access });
      return { method: "POST", path: "/auth/mfa/totp/activate/", token: me.access, body: { code: await totpCode(setup.body.secret) } };
    },
  },
  {
    name: "token refresh",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      return { method: "POST", path: "/auth/token/refresh/", body: { refresh: me.refresh } };
    },
  },
  {
    name: "logout",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      return { method: "POST", path: "/auth/logout/", token: me.access, body: { refresh: me.refresh } };
    },
  },
  {
    name: "profile update",
    status: 200,
    setup: async () => {
      const me = await loggedIn("fault");
      return { method: "PATCH", path: "/auth/profile/", token: me.access, body: { bio: "changed" } };
    },
  },
];
