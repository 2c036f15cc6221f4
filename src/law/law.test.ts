import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  childrenOf,
  deemedCompliance,
  etsiProvisions,
  isLawId,
  isRequirement,
  lawIdPattern,
  provision,
  provisions,
  pstiRequirements,
  requireProvision,
  type Requirement,
} from './index.ts';

const ids = (list: readonly { id: string }[]): string[] => list.map((p) => p.id);

function requirement(id: string): Requirement {
  const p = requireProvision(id);
  assert.ok(isRequirement(p), `${id} is a requirement, not a heading`);
  return p;
}

describe('the catalogue of provisions', () => {
  it('gives every provision a unique, well-formed id that starts with its source', () => {
    const all = provisions();
    assert.equal(new Set(ids(all)).size, all.length, 'no id appears twice');
    for (const p of all) {
      assert.match(p.id, lawIdPattern);
      assert.ok(p.id.startsWith(`${p.source}.`), `${p.id} starts with its source ${p.source}`);
    }
  });

  it('nests every provision under a parent that exists, comes earlier and belongs to the same text', () => {
    const all = provisions();
    all.forEach((p, index) => {
      if (p.parent === undefined) return;
      const parent = provision(p.parent);
      assert.ok(parent, `${p.id}'s parent ${p.parent} exists`);
      assert.equal(parent.source, p.source, `${p.id} and its parent come from the same text`);
      assert.ok(all.indexOf(parent) < index, `${p.parent} is cited before ${p.id}`);
    });
  });

  it('says what every provision is, where the text puts it and what it asks, in a sentence or two', () => {
    for (const p of provisions()) {
      assert.ok(p.reference.trim().length > 0, `${p.id} has a reference`);
      assert.ok(p.title.trim().length > 0 && p.title.length <= 100, `${p.id} has a short title`);
      assert.ok(p.summary.trim().length >= 20 && p.summary.length <= 500, `${p.id} has a summary of a sentence or two`);
    }
  });

  it('states a condition exactly for the conditional provisions', () => {
    for (const p of provisions().filter(isRequirement)) {
      assert.equal(p.condition !== undefined, p.conditional, `${p.id}: conditional ${p.conditional}, condition ${p.condition ?? 'none'}`);
    }
  });

  it('is in citation order: PSTI, the ISO route, ETSI in clause order, then the CRA', () => {
    const sources = provisions().map((p) => p.source);
    const runs = sources.filter((s, i) => i === 0 || sources[i - 1] !== s);
    assert.deepEqual(runs, ['psti', 'iso29147', 'etsi', 'cra']);
    const clauses = etsiProvisions().map((p) => p.parent);
    assert.deepEqual([...new Set(clauses)], ['etsi.5.1', 'etsi.5.2', 'etsi.5.3', 'etsi.5.4', 'etsi.5.5', 'etsi.5.6', 'etsi.5.7', 'etsi.5.8', 'etsi.5.9', 'etsi.5.10', 'etsi.5.11', 'etsi.5.12', 'etsi.5.13', 'etsi.6']);
  });
});

describe('PSTI Schedule 1', () => {
  const schedule1 = [
    'psti.s1.1', 'psti.s1.1.1', 'psti.s1.1.2a', 'psti.s1.1.2b', 'psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d', 'psti.s1.1.4',
    'psti.s1.2', 'psti.s1.2.1', 'psti.s1.2.2', 'psti.s1.2.3', 'psti.s1.2.4',
    'psti.s1.3', 'psti.s1.3.1', 'psti.s1.3.2', 'psti.s1.3.3', 'psti.s1.3.4', 'psti.s1.3.5',
  ];

  it('makes every condition of the three duties separately citable, all mandatory from 29 April 2024', () => {
    assert.deepEqual(ids(provisions().filter((p) => p.source === 'psti' && p.kind === 'requirement')), schedule1);
    for (const id of schedule1) {
      const p = requirement(id);
      assert.equal(p.status, 'mandatory');
      assert.equal(p.conditional, false);
      assert.equal(p.appliesFrom, '2024-04-29');
    }
  });

  it('groups the conditions under the passwords, reporting and support-period duties', () => {
    const duties = pstiRequirements();
    assert.deepEqual(duties.map((d) => d.requirement.title), ['Passwords', 'How to report security issues', 'Defined support period']);
    assert.deepEqual(ids(duties[0]?.children ?? []), schedule1.slice(1, 9));
    assert.deepEqual(ids(duties[1]?.children ?? []), schedule1.slice(10, 14));
    assert.deepEqual(ids(duties[2]?.children ?? []), schedule1.slice(15));
  });

  it('cites the password conditions as the Regulations number them', () => {
    assert.equal(requireProvision('psti.s1.1').reference, 'Schedule 1, paragraph 1');
    assert.equal(requireProvision('psti.s1.1.2a').reference, 'Schedule 1, paragraph 1(2)(a)');
    assert.equal(requireProvision('psti.s1.1.3d').reference, 'Schedule 1, paragraph 1(3)(d)');
  });

  it('lists what a Statement of Compliance must contain, items (a) to (f), as a group of its own', () => {
    const items = childrenOf('psti.soc');
    assert.deepEqual(ids(items), ['psti.soc.a', 'psti.soc.b', 'psti.soc.c', 'psti.soc.d', 'psti.soc.e', 'psti.soc.f']);
    for (const item of items) assert.equal(item.kind, 'statement-item');
    assert.equal(requireProvision('psti.soc').kind, 'group');
    assert.ok(provisions().every((p) => p.kind !== 'statement-item' || p.parent === 'psti.soc'), 'only the Statement has statement items');
  });
});

describe('deemed compliance (Schedule 2 of the Regulations)', () => {
  const routes = (pstiId: string): string[][] => deemedCompliance(pstiId).map((route) => ids(route));

  it('deems the password duty met by ETSI 5.1-1 and 5.1-2 together', () => {
    assert.deepEqual(routes('psti.s1.1'), [['etsi.5.1-1', 'etsi.5.1-2']]);
  });

  it('deems the reporting duty met by ETSI 5.2-1, or by ISO/IEC 29147 6.2.2 alone', () => {
    assert.deepEqual(routes('psti.s1.2'), [['etsi.5.2-1'], ['iso29147.6.2.2']]);
    assert.equal(requireProvision('iso29147.6.2.2').reference, 'ISO/IEC 29147:2018, 6.2.2');
  });

  it('deems the support-period duty met by ETSI 5.3-13', () => {
    assert.deepEqual(routes('psti.s1.3'), [['etsi.5.3-13']]);
  });

  it('offers no deemed route for a single condition, and only mandatory provisions as routes', () => {
    assert.deepEqual(routes('psti.s1.1.3c'), []);
    for (const id of ['psti.s1.1', 'psti.s1.2', 'psti.s1.3']) {
      for (const route of deemedCompliance(id)) for (const p of route) assert.equal(p.status, 'mandatory', `${p.id} is mandatory`);
    }
  });
});

describe('ETSI EN 303 645 V2.1.1', () => {
  it('has every provision of clauses 5.1 to 5.13 and 6: 67 in all', () => {
    const perClause = new Map<string, number>();
    for (const p of etsiProvisions()) perClause.set(p.parent ?? '', (perClause.get(p.parent ?? '') ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(perClause), {
      'etsi.5.1': 5,
      'etsi.5.2': 3,
      'etsi.5.3': 16,
      'etsi.5.4': 4,
      'etsi.5.5': 8,
      'etsi.5.6': 9,
      'etsi.5.7': 2,
      'etsi.5.8': 3,
      'etsi.5.9': 3,
      'etsi.5.10': 1,
      'etsi.5.11': 4,
      'etsi.5.12': 3,
      'etsi.5.13': 1,
      'etsi.6': 5,
    });
    assert.equal(etsiProvisions().length, 67);
  });

  it('numbers the provisions of each clause 1, 2, 3… without gaps', () => {
    for (const clause of provisions().filter((p) => p.source === 'etsi' && p.kind === 'group')) {
      const numbers = childrenOf(clause.id).map((p) => Number(p.id.slice(p.id.lastIndexOf('-') + 1)));
      assert.deepEqual(numbers, numbers.map((_, i) => i + 1), `${clause.id} is numbered without gaps`);
      for (const p of childrenOf(clause.id)) assert.equal(p.id, `${clause.id}-${p.id.slice(p.id.lastIndexOf('-') + 1)}`);
    }
  });

  it('titles the clauses as the standard does', () => {
    assert.equal(requireProvision('etsi.5.1').title, 'No universal default passwords');
    assert.equal(requireProvision('etsi.5.3').title, 'Keep software updated');
    assert.equal(requireProvision('etsi.6').title, 'Data protection provisions for consumer IoT');
  });

  it('keeps the status Table B.1 gives the provisions the code and the UK rely on', () => {
    const code = (id: string): string => {
      const p = requirement(id);
      return `${p.status === 'mandatory' ? 'M' : 'R'}${p.conditional ? ' C' : ''}`;
    };
    assert.equal(code('etsi.5.1-1'), 'M C');
    assert.equal(code('etsi.5.1-2'), 'M C');
    assert.equal(code('etsi.5.1-5'), 'M C');
    assert.equal(code('etsi.5.2-1'), 'M');
    assert.equal(code('etsi.5.2-2'), 'R');
    assert.equal(code('etsi.5.3-2'), 'M C');
    assert.equal(code('etsi.5.3-13'), 'M');
    assert.equal(code('etsi.5.3-14'), 'R C');
    assert.equal(code('etsi.5.3-16'), 'M');
    assert.equal(code('etsi.5.4-2'), 'M C');
    assert.equal(code('etsi.5.4-3'), 'M');
    assert.equal(code('etsi.5.5-1'), 'M');
    assert.equal(code('etsi.5.6-2'), 'M');
    assert.equal(code('etsi.5.6-4'), 'M C');
    assert.equal(code('etsi.5.10-1'), 'R C');
    assert.equal(code('etsi.6-1'), 'M');
    assert.equal(requirement('etsi.5.1-1').condition, 'where passwords are used and in any state other than the factory default');
  });

  it('lists only the mandatory provisions when asked', () => {
    const mandatory = etsiProvisions({ mandatoryOnly: true });
    assert.ok(mandatory.every((p) => p.status === 'mandatory'));
    assert.deepEqual(ids(mandatory), ids(etsiProvisions().filter((p) => p.status === 'mandatory')));
    assert.ok(mandatory.length > 0 && mandatory.length < 67);
  });
});

describe('the EU Cyber Resilience Act', () => {
  it('has Annex I Part I (1) and (2)(a) to (m), and Part II (1) to (8)', () => {
    assert.deepEqual(ids(childrenOf('cra.a1.p1')), ['cra.a1.p1.1', 'cra.a1.p1.2']);
    assert.deepEqual(ids(childrenOf('cra.a1.p1.2')), [...'abcdefghijklm'].map((l) => `cra.a1.p1.2${l}`));
    assert.deepEqual(ids(childrenOf('cra.a1.p2')), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `cra.a1.p2.${n}`));
    assert.equal(requireProvision('cra.a1.p1.2d').reference, 'CRA Annex I, Part I, (2)(d)');
  });

  it('applies the reporting duty from 11 September 2026 and everything else from 11 December 2027', () => {
    assert.equal(requireProvision('cra.art14').appliesFrom, '2026-09-11');
    for (const p of provisions().filter((q) => q.source === 'cra' && q.id !== 'cra.art14')) assert.equal(p.appliesFrom, '2027-12-11', p.id);
  });

  it('requires a support period of at least five years unless the product is used for less', () => {
    assert.match(requireProvision('cra.art13.8').summary, /at least five years unless it is expected to be in use for less/);
  });
});

describe('looking provisions up', () => {
  it('knows an id only if it is in the catalogue, however well-formed', () => {
    assert.equal(isLawId('psti.s1.1.3c'), true);
    assert.equal(isLawId('etsi.6-5'), true);
    assert.match('psti.s1.1.3', lawIdPattern);
    assert.equal(isLawId('psti.s1.1.3'), false);
    assert.equal(isLawId('etsi.5.1-6'), false);
    assert.equal(provision('etsi.5.1-6'), undefined);
  });

  it('rejects ids that are not well-formed', () => {
    for (const bad of ['psti', 'PSTI.s1.1', 'gdpr.5', 'etsi.5.1-', 'etsi..5', ' etsi.5.1-1', 'etsi.5.1-1 ']) assert.doesNotMatch(bad, lawIdPattern, bad);
  });

  it('names the unknown id when one is required', () => {
    assert.throws(() => requireProvision('psti.s1.9'), (e: unknown) => e instanceof Error && e.message.includes('"psti.s1.9"'));
  });
});

describe('the law ids cited across the code', () => {
  const srcDir = resolve(import.meta.dirname, '..');
  const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && f.split(/[\\/]/)[0] !== 'law')
    .map((f) => ({ file: f, text: readFileSync(join(srcDir, f), 'utf8') }));

  function citations(pattern: RegExp, pick: (m: RegExpMatchArray) => string, options: { skipTests?: boolean } = {}): { known: number; unknown: string[] } {
    let known = 0;
    const unknown: string[] = [];
    for (const { file, text } of sources) {
      // Tests write ids inside regular expressions (psti\.s1\.1), which this scan cannot read.
      if (options.skipTests && file.endsWith('.test.ts')) continue;
      for (const m of text.matchAll(pattern)) {
        const id = pick(m);
        if (isLawId(id)) known++;
        else unknown.push(`${file}: ${id}`);
      }
    }
    return { known, unknown };
  }

  it('are all known provisions when they are string literals, so findings cite real rules', () => {
    const { known, unknown } = citations(/(['"`])((?:psti|etsi|cra|iso29147)\.[a-z0-9.-]+)\1/g, (m) => m[2] ?? '');
    assert.deepEqual(unknown, []);
    assert.ok(known > 0, 'the scan found the ids the code cites');
  });

  it('are all known provisions when they appear in messages and comments', () => {
    // Shaped per source so that file names (cra.ts) and hosts (etsi.org) are not taken for ids.
    const cited = /(?<![\w@.])(?:psti\.(?:s\d|soc)|etsi\.\d|cra\.(?:a\d|art\d)|iso29147\.\d)[a-z0-9.-]*/g;
    const { known, unknown } = citations(cited, (m) => m[0].replace(/[.-]+$/, ''), { skipTests: true });
    assert.deepEqual(unknown, []);
    assert.ok(known > 0, 'the scan found the ids the code mentions');
  });
});
