// Which providers are routed: the configured ones, `twitter` as an alias of `x` (contract §2.5).
import type { Config } from "../../config";
import { findSocialProvider, type SocialProviderConfig } from "./providers";

/** Every path word that names a configured provider, `twitter` included when `x` is configured. */
export function providerKeys(config: Config): string[] {
  const keys = [...config.socialProviders.keys()];
  if (config.socialProviders.has("x")) keys.push("twitter");
  return keys.sort();
}

/** The provider a path word names, or undefined. */
export function providerFor(config: Config, word: string): SocialProviderConfig | undefined {
  return findSocialProvider(config.socialProviders, word) ?? undefined;
}
