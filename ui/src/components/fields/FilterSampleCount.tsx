// "N of M records would sync" (#18 item 2): one direction's filters as they stand, judged by the
// server on the source side's most recently updated records (POST …/filters/preview), before saving.
// Unfinished rows are left out of the question, and said to be.
import { ErrorAlert } from '../ErrorAlert.tsx';
import { fieldsApi, type FilterDirection, type RecordFilter, type RecordObject } from './fields-api.ts';
import { isComplete, valueInput, type ValueKind } from './filter-operators.ts';
import { useDebouncedAnswer } from './use-debounced-answer.ts';

interface FilterSampleCountProps {
  connectionId: string;
  object: RecordObject;
  direction: FilterDirection;
  source: string;
  filters: readonly RecordFilter[];
  kindOf: (field: string) => ValueKind;
}

export function FilterSampleCount({ connectionId, object, direction, source, filters, kindOf }: FilterSampleCountProps) {
  const what = object === 'contacts' ? 'contacts' : 'companies';
  const complete = filters.filter((filter) => isComplete(filter, valueInput(filter.operator, kindOf(filter.field))));
  const left = filters.length - complete.length;
  const key = complete.length > 0 ? JSON.stringify({ object, direction, complete }) : null;
  const count = useDebouncedAnswer(key, () => fieldsApi.previewFilters(connectionId, object, direction, complete), 700);
  if (key === null) return null;
  const answer = count.answer;
  return (
    <div class="filter-count" role="status" aria-busy={count.pending ? 'true' : 'false'}>
      {count.error ? (
        <ErrorAlert error={count.error} title="Couldn’t count the records on a sample." />
      ) : answer ? (
        <p>
          <strong>
            {answer.passing} of {answer.sampled}
          </strong>{' '}
          {answer.sampled === 1 ? 'record' : 'records'} would sync
          <span class="muted">
            {' '}
            — judged on the {answer.sampled} most recently updated {source} {what}
            {answer.total !== null ? ` (${answer.total.toLocaleString('en')} in all)` : ''}
            {left > 0 ? `; ${left} unfinished ${left === 1 ? 'filter is' : 'filters are'} not counted` : ''}.
          </span>
          {answer.byFilter.some((entry) => entry.excluded > 0) ? (
            <span class="filter-excluded">
              {' '}
              {answer.byFilter
                .filter((entry) => entry.excluded > 0)
                .map((entry) => `Filter ${filters.indexOf(complete[entry.index] as RecordFilter) + 1} leaves out ${entry.excluded}`)
                .join('; ')}
              .
            </span>
          ) : null}
        </p>
      ) : (
        <p class="muted">Counting on a sample…</p>
      )}
    </div>
  );
}
