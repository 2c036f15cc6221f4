import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isConnectableError } from '../errors.ts';
import { schemaMigrations } from '../schema.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { migrate, openPglite, openPostgres, splitStatements } from './index.ts';

describe('migrations', () => {
  test('run once: a second run applies nothing and keeps the data', async () => {
    const db = await openTestDatabase();
    try {
      await db.query(`INSERT INTO organisations (slug, name, kind) VALUES ('kept', 'Kept', 'maker')`);
      assert.deepEqual(await migrate(db, schemaMigrations), []);
      assert.equal((await db.query('SELECT 1 FROM organisations WHERE slug = $1', ['kept'])).length, 1);
      const applied = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      assert.deepEqual(
        applied.map((r) => r.id),
        schemaMigrations.map((m) => m.id).sort(),
      );
    } finally {
      await db.close();
    }
  });

  test('a failing migration rolls back whole, leaving the database as it was', async () => {
    const db = await openTestDatabase();
    try {
      const broken = [{ id: '9999_broken', sql: 'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;' }];
      await assert.rejects(migrate(db, broken), /no_such_table/);
      assert.equal((await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`)).length, 0);
      assert.equal((await db.query(`SELECT 1 FROM schema_migrations WHERE id = '9999_broken'`)).length, 0);
    } finally {
      await db.close();
    }
  });

  test('statements split on semicolons outside quotes, comments and dollar-quoted bodies', () => {
    const sql = `CREATE TABLE a (x text DEFAULT 'a;b'); -- a comment; with a semicolon
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RAISE EXCEPTION 'no;'; END $fn$;
SELECT 1`;
    assert.deepEqual(splitStatements(sql), [
      `CREATE TABLE a (x text DEFAULT 'a;b')`,
      `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RAISE EXCEPTION 'no;'; END $fn$`,
      'SELECT 1',
    ]);
  });
});

describe('the embedded database directory', () => {
  test('a second opener of the same directory is refused with a message that says what to do', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-lock-'));
    const db = await openPglite(dir);
    try {
      await assert.rejects(openPglite(dir), (e: unknown) => {
        assert.ok(isConnectableError(e));
        assert.equal(e.code, 'CONNECTABLE_ERR_DATA_DIR_IN_USE');
        assert.match(e.message, /already using the embedded database/);
        assert.match(e.message, /DATA_DIR/);
        return true;
      });
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a lock left by a process that died is taken over', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-stale-'));
    const dead = spawn(process.execPath, ['-e', '']);
    const pid = dead.pid ?? 0;
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(path.join(dir, 'connectable.lock'), `${pid}\n`);
    const lock = lockDataDir(dir);
    assert.equal(fs.readFileSync(path.join(dir, 'connectable.lock'), 'utf8').trim(), String(process.pid));
    lock.release();
    assert.equal(fs.existsSync(path.join(dir, 'connectable.lock')), false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('data written survives closing and reopening', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-persist-'));
    try {
      const first = await openPglite(dir);
      await migrate(first, schemaMigrations);
      await first.query(`INSERT INTO organisations (slug, name, kind) VALUES ('persisted', 'Persisted', 'maker')`);
      await first.close();
      const second = await openPglite(dir);
      assert.equal((await second.query(`SELECT name FROM organisations WHERE slug = 'persisted'`)).length, 1);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('an unreachable DATABASE_URL names the variable and the address, without the password', async () => {
  await assert.rejects(openPostgres({ url: 'postgres://app:s3cret-pw@127.0.0.1:1/nothing' }), (e: unknown) => {
    assert.ok(isConnectableError(e));
    assert.equal(e.code, 'CONNECTABLE_ERR_DATABASE_UNREACHABLE');
    assert.match(e.message, /DATABASE_URL/);
    assert.match(e.message, /127\.0\.0\.1:1/);
    assert.doesNotMatch(e.message, /s3cret-pw/);
    return true;
  });
});
