import { describe, expect, it } from 'vitest';
import { newEventId, parsePlanroomPath, sessionFromUrl, urlWithoutSession } from './tracker';

describe('sessionFromUrl', () => {
  it('reads the session from the hash', () => {
    expect(sessionFromUrl('', '#contact_session=abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('reads it among other hash params', () => {
    expect(sessionFromUrl('', '#page=2&contact_session=s1&zoom=3')).toBe('s1');
  });

  it('falls back to the query string', () => {
    expect(sessionFromUrl('?x=1&contact_session=q-1', '')).toBe('q-1');
    expect(sessionFromUrl('?contact_session=q-1', '#page=2')).toBe('q-1');
  });

  it('prefers the hash over the query', () => {
    expect(sessionFromUrl('?contact_session=from-query', '#contact_session=from-hash')).toBe('from-hash');
  });

  it('percent-decodes the value', () => {
    expect(sessionFromUrl('?contact_session=a%2Bb%3D', '')).toBe('a+b=');
  });

  it('answers null without a session, or with an empty one', () => {
    expect(sessionFromUrl('', '')).toBeNull();
    expect(sessionFromUrl('?contact_sessionx=1', '#/route')).toBeNull();
    expect(sessionFromUrl('?contact_session=', '#contact_session')).toBeNull();
  });
});

describe('urlWithoutSession', () => {
  it('drops the query param and keeps the rest', () => {
    expect(urlWithoutSession('https://p.test/jobs/j/files/f?contact_session=abc')).toBe('https://p.test/jobs/j/files/f');
    expect(urlWithoutSession('https://p.test/jobs/j?a=1&contact_session=abc&b=%20x')).toBe('https://p.test/jobs/j?a=1&b=%20x');
  });

  it('drops the hash param and keeps the other hash params', () => {
    expect(urlWithoutSession('https://p.test/jobs/j#contact_session=abc')).toBe('https://p.test/jobs/j');
    expect(urlWithoutSession('https://p.test/jobs/j?v=2#page=3&contact_session=abc')).toBe('https://p.test/jobs/j?v=2#page=3');
  });

  it('drops it from both places at once', () => {
    expect(urlWithoutSession('https://p.test/x?contact_session=1#contact_session=2&y')).toBe('https://p.test/x#y');
  });

  it('leaves an address without a session as it was', () => {
    for (const url of ['https://p.test/', 'https://p.test/a?b=1#c', 'https://p.test/a#/route?x=1']) {
      expect(urlWithoutSession(url)).toBe(url);
    }
  });
});

describe('parsePlanroomPath', () => {
  const prefix = '/ui/planroom';

  it('reads the job alone as a job object', () => {
    expect(parsePlanroomPath('/ui/planroom/jobs/job-demo', prefix)).toEqual({
      jobId: 'job-demo',
      object: { kind: 'job', id: 'job-demo' },
    });
    expect(parsePlanroomPath('/ui/planroom/jobs/job-demo/', prefix)?.object.kind).toBe('job');
  });

  it('reads files and sections', () => {
    expect(parsePlanroomPath('/ui/planroom/jobs/job-demo/files/add-3', prefix)).toEqual({
      jobId: 'job-demo',
      object: { kind: 'file', id: 'add-3' },
    });
    expect(parsePlanroomPath('/ui/planroom/jobs/j/sections/s-2', prefix)?.object).toEqual({ kind: 'section', id: 's-2' });
  });

  it('percent-decodes ids', () => {
    expect(parsePlanroomPath('/ui/planroom/jobs/job%201/files/Addendum%20%233.pdf', prefix)).toEqual({
      jobId: 'job 1',
      object: { kind: 'file', id: 'Addendum #3.pdf' },
    });
  });

  it('refuses other shapes', () => {
    for (const path of [
      '/ui/planroom',
      '/ui/planroom/',
      '/ui/planroom/jobs',
      '/ui/planroom/jobs/j/files',
      '/ui/planroom/jobs/j/orders/1',
      '/ui/planroom/jobs/j/files/f/extra',
      '/ui/planroomx/jobs/j',
      '/other/jobs/j',
      '/ui/planroom/jobs/%E0%A4%A/files/f',
    ]) {
      expect(parsePlanroomPath(path, prefix), path).toBeNull();
    }
  });

  it('finds the job anywhere in the path without a prefix', () => {
    expect(parsePlanroomPath('/planroom/jobs/j-1/files/f-1')).toEqual({ jobId: 'j-1', object: { kind: 'file', id: 'f-1' } });
    expect(parsePlanroomPath('/jobs/j-2')?.jobId).toBe('j-2');
    expect(parsePlanroomPath('/about')).toBeNull();
  });
});

describe('newEventId', () => {
  it('makes ids the service accepts, different each time', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newEventId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});
