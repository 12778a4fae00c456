import { setTimeout as sleep } from 'node:timers/promises';

/** A command the api acknowledged (200 or 202): its events are in the store. */
export interface Acknowledged {
  op: 'deposit' | 'withdrawal' | 'transfer';
  accountId: string;
  toAccountId?: string;
  amount: number;
  revision: number;
  position: number;
  transferId?: string;
  at: number;
}

export interface TrafficOptions {
  /** Concurrent clients, each sending one command at a time. */
  clients?: number;
  /** Largest pause between one client's commands, in ms. */
  maxPauseMs?: number;
  /** A request taking longer than this counts as unexpected (a hang), in ms. */
  requestTimeoutMs?: number;
  /** Sent with every request, e.g. a bearer token. */
  headers?: () => Record<string, string>;
}

export interface Traffic {
  readonly acknowledged: Acknowledged[];
  /** Business refusals (422) and give-ups under contention (409): answers, not faults. */
  readonly refused: string[];
  /** 5xx, network errors, timeouts: what a fault must not cause on the command side. */
  readonly unexpected: string[];
  /** Acknowledged commands so far. */
  count(): number;
  /** Waits until `n` more commands are acknowledged, or throws after `timeoutMs`. */
  waitForMore(n: number, timeoutMs?: number): Promise<void>;
  /** Sets the stop flag and waits for every client's command in hand. */
  stop(): Promise<void>;
}

const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/**
 * Continuous deposits, withdrawals and transfers against the api from a few concurrent clients,
 * sized so that some withdrawals and transfers are refused for lack of funds and later deposits
 * cover the same accounts again (what makes redelivery of old transfer events interesting).
 */
export function startTraffic(
  baseUrl: string,
  accountIds: readonly string[],
  options: TrafficOptions = {},
): Traffic {
  const { clients = 3, maxPauseMs = 40, requestTimeoutMs = 30_000, headers = () => ({}) } = options;
  const acknowledged: Acknowledged[] = [];
  const refused: string[] = [];
  const unexpected: string[] = [];
  let stopped = false;

  async function post(path: string, body: object) {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function one(): Promise<void> {
    const accountId = accountIds[random(0, accountIds.length - 1)];
    const dice = Math.random();
    let command: Omit<Acknowledged, 'revision' | 'position' | 'at'>;
    let path: string;
    let body: object;
    if (dice < 0.35) {
      command = { op: 'deposit', accountId, amount: random(1, 600) };
      path = `/accounts/${accountId}/deposits`;
      body = { amount: command.amount };
    } else if (dice < 0.6) {
      command = { op: 'withdrawal', accountId, amount: random(1, 1500) };
      path = `/accounts/${accountId}/withdrawals`;
      body = { amount: command.amount };
    } else {
      const others = accountIds.filter((id) => id !== accountId);
      const toAccountId = others[random(0, others.length - 1)];
      command = { op: 'transfer', accountId, toAccountId, amount: random(1, 3000) };
      path = '/transfers';
      body = { fromAccountId: accountId, toAccountId, amount: command.amount };
    }
    const label = `${command.op} ${command.amount} on ${accountId}`;
    try {
      const answer = await post(path, body);
      if (answer.status === 200 || answer.status === 202) {
        acknowledged.push({
          ...command,
          revision: answer.body.revision,
          position: answer.body.position,
          ...(answer.body.transferId ? { transferId: answer.body.transferId } : {}),
          at: Date.now(),
        });
      } else if (answer.status === 422 || answer.status === 409) {
        refused.push(`${label}: ${answer.status} ${answer.body?.code}`);
      } else {
        unexpected.push(`${label}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    } catch (error) {
      unexpected.push(`${label}: ${(error as Error).message}`);
    }
  }

  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      await one();
      await sleep(random(0, maxPauseMs));
    }
  });

  return {
    acknowledged,
    refused,
    unexpected,
    count: () => acknowledged.length,
    async waitForMore(n, timeoutMs = 30_000) {
      const target = acknowledged.length + n;
      const deadline = Date.now() + timeoutMs;
      while (acknowledged.length < target) {
        if (Date.now() > deadline) {
          throw new Error(
            `traffic: ${n} more acknowledgements expected within ${timeoutMs} ms, got ` +
              `${acknowledged.length - (target - n)}; last unexpected: ${unexpected.slice(-3)}`,
          );
        }
        await sleep(50);
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
