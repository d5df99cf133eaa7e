import type { ConversionConfig, JsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';

export type { JsonSchema };

/**
 * Request bodies are described as the client sends them (`input`: before any transform); responses, query and
 * path parameters as what they mean (`output`: `?limit=20` is the integer 20, not the string).
 */
export type TypeMode = 'input' | 'output';

function withNote(schema: JsonSchema, note: string): JsonSchema {
  return { ...schema, description: schema.description ? `${schema.description} ${note}` : note };
}

const asSentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;

/** The schemas shown as components, by name: a schema among them is converted to a `$ref`. */
export type Definitions = Record<string, v.GenericSchema>;

export function conversionConfig(mode: TypeMode, definitions: Definitions): ConversionConfig {
  return {
    // OpenAPI 3.1's Schema Object is JSON Schema 2020-12.
    target: 'draft-2020-12',
    typeMode: mode,
    // Anything the converter cannot express fails the document's build (and its unit test), never silently.
    errorMode: 'throw',
    definitions,
    overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
    overrideAction({ valibotAction, jsonSchema }) {
      // JSON Schema has no keyword for these: say them in words rather than drop them. (Schemas put their own
      // v.description right after the type, so these notes are appended to it, not overwritten by it.)
      if (valibotAction.type === 'trim') {
        return withNote(jsonSchema, 'Surrounding white space is removed before it is stored.');
      }
      const action = valibotAction as {
        type: string;
        message?: unknown;
        bounds?: unknown;
        pattern?: string;
        lookahead?: string;
      };
      // The service's own validations (src/validation.ts), in the keywords that say the same.
      if (action.type === 'code_point_length') {
        const { min, max } = action.bounds as { min: number; max: number };
        return { ...jsonSchema, minLength: min, maxLength: max };
      }
      if (action.type === 'characters' && typeof action.message === 'string') {
        return withNote({ ...jsonSchema, pattern: action.pattern }, asSentence(action.message));
      }
      if (action.type === 'not_blank' && typeof action.message === 'string') {
        // Follows the characters' pattern in every pipe: the one pattern says both.
        const pattern = `^${action.lookahead}${(jsonSchema.pattern ?? '^.*').slice(1)}`;
        return withNote({ ...jsonSchema, pattern }, asSentence(action.message));
      }
      if (action.type === 'check' && typeof action.message === 'string') {
        return withNote(jsonSchema, asSentence(action.message));
      }
      return undefined;
    },
    overrideSchema({ valibotSchema, jsonSchema }) {
      // A default is written in the input type (`'20'` for ?limit=); the output description shows its meaning.
      if (mode === 'output' && valibotSchema.type === 'optional') {
        const optional = valibotSchema as v.OptionalSchema<v.GenericSchema, unknown>;
        const fallback = v.getDefault(optional);
        if (fallback !== undefined) {
          return { ...jsonSchema, default: v.parse(optional.wrapped, fallback) as JsonSchema['default'] };
        }
      }
      return undefined;
    },
  };
}
