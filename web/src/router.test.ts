import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('parseRoute', () => {
  it('reads every route', () => {
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#/')).toEqual({ name: 'home' });
    expect(parseRoute('#/dataset')).toEqual({ name: 'dataset' });
    expect(parseRoute(href.dataset())).toEqual({ name: 'dataset' });
    expect(parseRoute('#/jobs/job-demo')).toEqual({ name: 'job', jobId: 'job-demo', tab: 'coverage' });
    expect(parseRoute('#/jobs/job-demo/activity')).toEqual({ name: 'job', jobId: 'job-demo', tab: 'activity' });
    expect(parseRoute('#/jobs/j/individuals/abc')).toEqual({ name: 'individual', jobId: 'j', individualId: 'abc' });
    expect(parseRoute('#/jobs/j/files/add-3')).toEqual({ name: 'file', jobId: 'j', fileId: 'add-3' });
  });

  it('round-trips ids through href', () => {
    const jobId = 'job 1/#?';
    expect(parseRoute(href.job(jobId))).toEqual({ name: 'job', jobId, tab: 'coverage' });
    expect(parseRoute(href.activity(jobId))).toEqual({ name: 'job', jobId, tab: 'activity' });
    expect(parseRoute(href.file(jobId, 'Ä 3.pdf'))).toEqual({ name: 'file', jobId, fileId: 'Ä 3.pdf' });
  });

  it('answers not-found for anything else', () => {
    for (const hash of ['#/jobs', '#/jobs/j/files', '#/jobs/j/other/x', '#/nope', '#/jobs/%E0%A4%A', '#/jobs/j/files/f/g', '#/jobs/j/activity/x', '#/dataset/x']) {
      expect(parseRoute(hash).name, hash).toBe('not-found');
    }
  });
});
