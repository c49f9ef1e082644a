// Which providers are routed: the configured ones, `twitter` as an alias of `x` (contract §2.5).
import type { Config } from "../../config";
import type { SocialProviderConfig } from "./providers";

const ALIASES: Readonly<Record<string, string>> = { twitter: "x" };

/** Every path word that names a configured provider, aliases included. */
export function providerKeys(config: Config): string[] {
  const keys = [...config.socialProviders.keys()];
  for (const [alias, target] of Object.entries(ALIASES)) if (config.socialProviders.has(target) && !keys.includes(alias)) keys.push(alias);
  return keys.sort();
}

/** The provider a path word names, or undefined. */
export function providerFor(config: Config, key: string): SocialProviderConfig | undefined {
  return config.socialProviders.get(ALIASES[key] ?? key);
}
