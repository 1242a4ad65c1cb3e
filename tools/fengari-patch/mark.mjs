/**
 * The marker every fengari edit carries, so a patched file is recognisable.
 */
export const MARK = "hookline-patch";
