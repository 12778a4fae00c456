import type { AppConfig } from './app-config';
import { partsOf } from './role-parts';

const kafka: AppConfig['transport'] = {
  kind: 'kafka',
  brokers: ['b:9092'],
  topic: 't',
  partitions: 3,
  security: { tls: false },
};
const inProcess: AppConfig['transport'] = { kind: 'in-process' };

describe('the role matrix', () => {
  it.each([
    ['all', inProcess, { servesApi: true, relays: false, projects: true }],
    ['all', kafka, { servesApi: true, relays: true, projects: true }],
    ['api', kafka, { servesApi: true, relays: false, projects: false }],
    ['relay', kafka, { servesApi: false, relays: true, projects: false }],
    ['projector', kafka, { servesApi: false, relays: false, projects: true }],
  ] as const)('%s over %j runs %j', (role, transport, parts) => {
    expect(partsOf({ role, transport })).toEqual(parts);
  });
});
