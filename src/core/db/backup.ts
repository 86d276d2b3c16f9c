import { backup, DatabaseSync } from 'node:sqlite';
import { existsSync } from 'node:fs';

/**
 * Copies a live SQLite database to a file with SQLite's online backup API: safe while Lantern is running,
 * and the copy is a consistent snapshot (WAL content included). Returns the number of pages copied.
 */
export async function backupSqlite(source: string, destination: string): Promise<number> {
  if (!existsSync(source)) throw new Error(`There is no database at ${source}`);
  if (existsSync(destination)) throw new Error(`${destination} already exists; choose a new file name`);
  const db = new DatabaseSync(source, { readOnly: true, timeout: 5000 });
  try {
    return await backup(db, destination, { rate: 1000 });
  } finally {
    db.close();
  }
}
