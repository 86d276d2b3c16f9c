import { withId, type MigrationDb } from './helpers.js';

// Updates (the website's news): the text in Markdown, who it is shown as written by, drafts, scheduled and
// published states, categories and tags, revisions staff can restore, related actions shown beside the text, and
// an optional content warning whose reasons staff manage. Nothing here is a supporter's personal data.

export async function up(db: MigrationDb): Promise<void> {
  // Reasons a content warning may give ("Descriptions of torture"); retired ones stay for the updates that use them.
  await withId(db, db.schema.createTable('content_warning_reasons'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('updates'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('excerpt', 'text', (c) => c.notNull())
    .addColumn('body_md', 'text', (c) => c.notNull())
    // 'staff' | 'organisation' | 'custom': how author_display was chosen, so the editor shows the same choice.
    .addColumn('author_kind', 'text', (c) => c.notNull())
    .addColumn('author_display', 'text', (c) => c.notNull())
    .addColumn('author_staff_id', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('publish_at', 'bigint')
    .addColumn('published_at', 'bigint')
    // content/images' content_images id; no foreign key, so the two parts migrate in either order.
    .addColumn('featured_image_id', 'bigint')
    .addColumn('featured_image_alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id').onDelete('set null'))
    .addColumn('warning_reason_id', 'bigint', (c) => c.references('content_warning_reasons.id'))
    .addColumn('warning_text', 'text', (c) => c.notNull().defaultTo(''))
    // The private preview link is derived from this (a signature of the id and nonce); a new nonce revokes it.
    .addColumn('preview_nonce', 'text')
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('updates_listing').on('updates').columns(['status', 'published_at']).execute();
  await db.schema.createIndex('updates_due').on('updates').columns(['status', 'publish_at']).execute();
  await db.schema.createIndex('updates_campaign').on('updates').columns(['campaign_id', 'status', 'published_at']).execute();

  await withId(db, db.schema.createTable('categories'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('update_categories')
    .addColumn('update_id', 'bigint', (c) => c.notNull().references('updates.id').onDelete('cascade'))
    .addColumn('category_id', 'bigint', (c) => c.notNull().references('categories.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('update_categories_pk', ['update_id', 'category_id'])
    .execute();
  await db.schema.createIndex('update_categories_category').on('update_categories').columns(['category_id', 'update_id']).execute();

  await withId(db, db.schema.createTable('tags'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('update_tags')
    .addColumn('update_id', 'bigint', (c) => c.notNull().references('updates.id').onDelete('cascade'))
    .addColumn('tag_id', 'bigint', (c) => c.notNull().references('tags.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('update_tags_pk', ['update_id', 'tag_id'])
    .execute();
  await db.schema.createIndex('update_tags_tag').on('update_tags').columns(['tag_id', 'update_id']).execute();

  await withId(db, db.schema.createTable('update_revisions'))
    .addColumn('update_id', 'bigint', (c) => c.notNull().references('updates.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('excerpt', 'text', (c) => c.notNull())
    .addColumn('body_md', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .addColumn('saved_by', 'bigint')
    .execute();
  await db.schema.createIndex('update_revisions_update').on('update_revisions').columns(['update_id', 'saved_at']).execute();

  // Actions shown beside an update's text (actions' ids; the actions capability says which are still public).
  await db.schema
    .createTable('update_actions')
    .addColumn('update_id', 'bigint', (c) => c.notNull().references('updates.id').onDelete('cascade'))
    .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('update_actions_pk', ['update_id', 'action_id'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of [
    'update_actions',
    'update_revisions',
    'update_tags',
    'tags',
    'update_categories',
    'categories',
    'updates',
    'content_warning_reasons',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
