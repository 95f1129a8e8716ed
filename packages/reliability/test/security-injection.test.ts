import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedStore, serveTempStore } from '../src/served-store.js';

let served: ServedStore;
beforeAll(async () => {
  served = await serveTempStore();
});
afterAll(async () => {
  await served.close();
});

const HOSTILE = [
  "'; DROP TABLE points; --",
  'x" OR 1=1 --',
  '../../../../etc/passwd',
  '..\\..\\windows\\system32',
  'a/../../b',
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned=1">',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the attack
  '${process.exit(1)}',
  '%00%2e%2e%2f',
  'ünïcødé ✓ 🔥',
  'x'.repeat(256),
];

const post = async (path: string, body: unknown, method = 'POST') => {
  const r = await fetch(`${served.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe('hostile names, params and tags are data', () => {
  it.each(HOSTILE)('run name, project, params and tags %j are stored and returned exactly', async (text) => {
    const created = await post('/api/v1/runs', {
      project: text,
      name: text,
      params: { [text]: text, nested: { [text]: [text] } },
      tags: [text],
    });
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    const read = (await (await fetch(`${served.url}/api/v1/runs/${encodeURIComponent(id)}`)).json()) as Record<
      string,
      unknown
    >;
    expect(read).toMatchObject({
      project: text,
      name: text,
      params: { [text]: text, nested: { [text]: [text] } },
      tags: [text],
    });
    const listed = (await (await fetch(`${served.url}/api/v1/runs?project=${encodeURIComponent(text)}`)).json()) as {
      runs: { id: string }[];
    };
    expect(listed.runs.map((r) => r.id)).toContain(id);
  });

  it.each(HOSTILE.filter((t) => !t.startsWith('/') && !t.includes('//') && !t.endsWith('/')))(
    'series name %j is stored and listed exactly',
    async (text) => {
      const defined = await post(`/api/v1/runs/${served.run.id}/series`, { series: [{ name: text }] });
      expect(defined.status).toBe(200);
      const listed = (await (await fetch(`${served.url}/api/v1/runs/${served.run.id}/series`)).json()) as {
        series: { name: string }[];
      };
      expect(listed.series.map((s) => s.name)).toContain(text);
    },
  );

  it('NUL, control characters and over-long names are refused with 400, not stored, never a 500', async () => {
    for (const name of ['a\u0000b', 'a\u001bb', 'x'.repeat(600), '/lead', 'a//b']) {
      const r = await post(`/api/v1/runs/${served.run.id}/series`, { series: [{ name }] });
      expect(r.status).toBe(400);
    }
    for (const body of [
      { name: 'a\u0000b' },
      { project: 'p\u0000' },
      { tags: ['t\u0000'] },
      { name: 'x'.repeat(100_000) },
    ]) {
      const r = await post('/api/v1/runs', body);
      expect([201, 400]).toContain(r.status);
      if (r.status === 201) {
        const read = (await (await fetch(`${served.url}/api/v1/runs/${r.body['id'] as string}`)).json()) as Record<
          string,
          unknown
        >;
        for (const [k, v] of Object.entries(body)) expect(read[k]).toEqual(v);
      }
    }
  });

  it('run ids with path tricks are not found, never read as paths', async () => {
    for (const id of ['..', '../..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', 'a%00b', "x' OR '1'='1"]) {
      const r = await fetch(`${served.url}/api/v1/runs/${id}`);
      expect([400, 404]).toContain(r.status);
    }
    const tables = await fetch(`${served.url}/api/v1/runs`);
    expect(tables.status).toBe(200);
  });
});
