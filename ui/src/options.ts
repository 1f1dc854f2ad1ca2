// Closed lists (sex, diabetes type, time-off kind, payment method) come from the Rust enums as
// constants in the bindings; a <select> hands back text, which is turned into one of them here.
// Text limits come the same way.
import { TEXT_LIMITS } from "./bindings";

/** The option of `options` that `value` names, or null when it names none (the empty choice). */
export function chosen<T extends string>(options: readonly T[], value: string): T | null {
  return options.find((option) => option === value) ?? null;
}

/** The longest text a field takes (`table.field`, as `TEXT_LIMITS` keys them), for `maxLength`. */
export function limit(key: string): number | undefined {
  return (TEXT_LIMITS as Record<string, number>)[key];
}
