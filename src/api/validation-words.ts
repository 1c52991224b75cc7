import type { FastifyError, FastifyRequest } from 'fastify';
import { describeValue } from '../manifest/errors.js';
import { appIdProblem } from '../manifest/app-id.js';

/**
 * A refused request in podwarden's words, as manifests are: what was wrong (an app id, a
 * query parameter the route does not take, a field of the body) rather than the JSON-schema
 * validator's (`querystring must NOT have additional properties`). Values are quoted short and
 * escaped, like everything podwarden repeats from its input.
 */
export function validationWords(error: FastifyError, request: FastifyRequest): string {
  const context = error.validationContext ?? 'request';
  const first = error.validation?.[0];
  if (!first) return error.message;
  const name = first.instancePath.replace(/^\//, '');
  const value = valueAt(request, context, name);
  if (first.keyword === 'additionalProperties') {
    const extra = String((first.params as { additionalProperty?: unknown }).additionalProperty);
    const allowed = Object.keys(
      (
        request.routeOptions.schema?.[context === 'body' ? 'body' : 'querystring'] as
          { properties?: object } | undefined
      )?.properties ?? {},
    );
    const where = context === 'querystring' ? 'query parameter' : context === 'body' ? 'field in the body' : 'part';
    const takes =
      allowed.length === 0
        ? `${request.routeOptions.url} takes none`
        : `${request.routeOptions.url} takes ${allowed.join(', ')}`;
    return `unknown ${where} ${describeValue(extra)} (${takes})`;
  }
  if ((name === 'id' && context === 'params') || (name === 'app' && context === 'querystring')) {
    if (first.keyword === 'type' && Array.isArray(value)) return `${name} is given ${value.length} times; give it once`;
    return appIdProblem(value);
  }
  if (context === 'body' && name === '' && first.keyword === 'type')
    return 'the body must be a JSON object, or nothing';
  // A property's `description` in the route schema states its rule for people.
  const rule = propertySchema(request, context, name)?.description ?? first.message ?? 'is not valid';
  return `${describeWhere(context, name)}: ${rule}${value === undefined ? '' : `, got ${describeValue(value)}`}`;
}

function propertySchema(request: FastifyRequest, context: string, name: string): { description?: string } | undefined {
  const part =
    context === 'querystring'
      ? 'querystring'
      : context === 'body'
        ? 'body'
        : context === 'params'
          ? 'params'
          : undefined;
  if (part === undefined) return undefined;
  const properties = (
    request.routeOptions.schema?.[part] as { properties?: Record<string, { description?: string }> } | undefined
  )?.properties;
  return properties?.[name];
}

function describeWhere(context: string, name: string): string {
  if (name === '') return context === 'body' ? 'the body' : `the ${context}`;
  return context === 'querystring' ? `query parameter ${name}` : context === 'body' ? `body field ${name}` : name;
}

function valueAt(request: FastifyRequest, context: string, name: string): unknown {
  const source =
    context === 'params'
      ? request.params
      : context === 'querystring'
        ? request.query
        : context === 'body'
          ? request.body
          : undefined;
  if (name === '') return undefined;
  return source !== null && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
}
