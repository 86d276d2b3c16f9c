// The pace limit: at most N letters an hour to any one recipient (an MP, or a target). Letters over the limit are
// not refused or dropped: each delivery gets a time slot (`not_before`), one every hour/N after the recipient's
// latest slot, so a surge of letters to one MP reaches them spread over the following hours instead of all at once.
// Slots spaced at least hour/N apart put at most N in any hour.

const HOUR = 3600_000;

/** The gap between two letters to the same recipient at a pace of `perHour`. */
export function paceGap(perHour: number): number {
  return Math.ceil(HOUR / Math.max(1, perHour));
}

/** The slot of the next letter to a recipient whose latest slot is `lastSlot` (undefined: never written to). */
export function nextSlot(o: { lastSlot: number | undefined; now: number; perHour: number }): number {
  if (o.lastSlot === undefined) return o.now;
  return Math.max(o.now, o.lastSlot + paceGap(o.perHour));
}
