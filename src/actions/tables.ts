import type { Generated } from 'kysely';

// The tables the actions frame owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

export interface CampaignsTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  created_at: number;
  updated_at: number;
}

export type ActionKind = 'petition' | 'letter_mp' | 'email_target' | 'sign_on';
export type ActionStatus = 'draft' | 'open' | 'closed';

export interface ActionsTable {
  id: Generated<number>;
  /** The campaign the action belongs to; null for an action that stands on its own. */
  campaign_id: number | null;
  slug: string;
  kind: ActionKind;
  status: ActionStatus;
  title: string;
  summary: string;
  /** Markdown. */
  body: string;
  /** Markdown shown after acting. */
  thank_you: string;
  /** Markdown shown once closed. */
  result: string;
  /** The last day to act, YYYY-MM-DD in the organisation's time zone. */
  deadline: string | null;
  /** The end of the deadline's day in the organisation's time zone, UTC ms. */
  closes_at: number | null;
  goal: number | null;
  /** Confirmed actions taken, refreshed in batches by one job (never +1 per request). */
  count: number;
  count_updated_at: number | null;
  newsletter_list_id: number | null;
  next_action_id: number | null;
  /** JSON of the kind's own settings (actions/settings.ts). */
  settings: string;
  opened_at: number | null;
  closed_at: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export type ActionUpdateKind = 'delivery' | 'response' | 'update';

export interface ActionUpdatesTable {
  id: Generated<number>;
  action_id: number;
  kind: ActionUpdateKind;
  title: string;
  body: string;
  /** YYYY-MM-DD, for "handed in on …". */
  happened_on: string | null;
  posted_at: number;
  created_by: number | null;
}

export interface ActionTargetsTable {
  id: Generated<number>;
  action_id: number;
  name: string;
  role: string;
  email: string;
  position: number;
  created_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    campaigns: CampaignsTable;
    actions: ActionsTable;
    action_updates: ActionUpdatesTable;
    action_targets: ActionTargetsTable;
  }
}
