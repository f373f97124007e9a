/**
 * Milliseconds in one UTC day. Epoch milliseconds ignore leap seconds (as ECMAScript's time
 * value does), so every UTC day is exactly this long — which is what lets the time modules turn
 * a time value into a day number by division.
 */
export const DAY_MS = 86_400_000;
