import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from '../../auth/auth.decorators';
import type { Role } from '../../auth/roles';
import type { ProblemCode } from '../../problems/problem-catalog';
import { REFUSALS } from './refuses.decorator';

/** What the guards and handlers of one route will do, read from the same metadata they read. */
export interface RouteFacts {
  isPublic: boolean;
  /** Undefined: any signed-in caller. */
  roles: Role[] | undefined;
  refusals: ProblemCode[];
}

/** Keyed `get /accounts/{id}`, as the OpenAPI document names operations. */
export function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const controller = metatype as unknown as { prototype: Record<string, unknown> };
      const prefix = Reflect.getMetadata(PATH_METADATA, metatype) as string | undefined;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const path = openApiPath(prefix, Reflect.getMetadata(PATH_METADATA, handler) as string);
        const own = <T>(key: string) =>
          (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, metatype)) as T;
        facts.set(`${RequestMethod[method].toLowerCase()} ${path}`, {
          isPublic: own<boolean | undefined>(PUBLIC_ROUTE) === true,
          roles: own<Role[] | undefined>(ALLOWED_ROLES),
          refusals: [
            ...((Reflect.getMetadata(REFUSALS, metatype) as ProblemCode[] | undefined) ?? []),
            ...((Reflect.getMetadata(REFUSALS, handler) as ProblemCode[] | undefined) ?? []),
          ],
        });
      }
    }
  }
  return facts;
}

function openApiPath(prefix: string | undefined, path: string | undefined): string {
  const joined = ['', prefix ?? '', path ?? '']
    .join('/')
    .replace(/\/+/g, '/')
    .replace(/(.)\/$/, '$1');
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
