// `${VAR}` and `${VAR:-default}` in YAML string values, so secrets stay out of the file.
// Substitution runs on parsed string scalars, never on raw text, so a value cannot inject YAML.
// `$${VAR}` is a literal `${VAR}`.

export type Env = Readonly<Record<string, string | undefined>>;

export interface SubstitutionProblem {
  path: (string | number)[];
  message: string;
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function substituteEnv(
  value: unknown,
  env: Env,
  problems: SubstitutionProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteEnv(item, env, problems, [...path, key])]),
    );
  }
  return value;
}

function substituteString(
  value: string,
  env: Env,
  problems: SubstitutionProblem[],
  path: (string | number)[],
): string {
  return value.replace(REFERENCE, (match, escaped: string, body: string) => {
    if (escaped) return match.slice(1);
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    if (!NAME.test(name)) {
      problems.push({ path, message: `'${match}' is not a valid environment reference (use \${NAME} or \${NAME:-default})` });
      return match;
    }
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (separator !== -1) return body.slice(separator + 2);
    problems.push({ path, message: `environment variable ${name} is not set (referenced as \${${name}})` });
    return '';
  });
}
