import type { Response } from 'express';
import { EventEmitter } from 'node:events';
import { drainedOrClosed } from './drained-or-closed';

function fakeResponse() {
  const emitter = new EventEmitter() as EventEmitter & { destroy: jest.Mock };
  emitter.destroy = jest.fn(() => emitter.emit('close'));
  return emitter;
}

describe('waiting for a streaming client', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('goes on when the client drains the socket, and cuts nobody off', async () => {
    const response = fakeResponse();
    const waiting = drainedOrClosed(response as unknown as Response, 1000);
    response.emit('drain');
    await waiting;
    jest.advanceTimersByTime(5000);
    expect(response.destroy).not.toHaveBeenCalled();
  });

  it('disconnects a client that reads nothing for the stall time', async () => {
    const response = fakeResponse();
    const waiting = drainedOrClosed(response as unknown as Response, 1000);
    jest.advanceTimersByTime(999);
    expect(response.destroy).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    await waiting;
    expect(response.destroy).toHaveBeenCalledWith(expect.any(Error));
  });
});
