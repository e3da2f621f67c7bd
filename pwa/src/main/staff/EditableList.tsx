// An admin screen's list whose rows open an edit form in place, with an "Add" button that opens the same form empty
// above the list. A saved row replaces the one with its id, or goes first when it is new.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Failure, Loading, ScreenTitle, type Loaded } from './common';

/** Whether a form is open, and the callback it calls when it is saved (with the row) or cancelled (null). */
export function useEditing<T>(onSaved: (row: T) => void): { editing: boolean; edit: () => void; done: (row: T | null) => void } {
  const [editing, setEditing] = useState(false);
  return {
    editing,
    edit: () => setEditing(true),
    done: (row) => {
      if (row) onSaved(row);
      setEditing(false);
    },
  };
}

/** A row's edit form, in the list. */
export function EditingRow({ children }: { children: ComponentChildren }) {
  return <li class="card row">{children}</li>;
}

interface Props<K extends string, T> {
  list: Loaded<Record<K, T[]>>;
  /** the list's field in the query's answer */
  field: K;
  title: string;
  addLabel: string;
  addTestid: string;
  listTestid: string;
  /** the empty form for a new row */
  form: (done: (row: T | null) => void) => ComponentChildren;
  /** one row; `changed` puts a saved row in the list */
  row: (row: T, changed: (row: T) => void) => ComponentChildren;
  /** filters, between the new-row form and the list */
  children?: ComponentChildren;
}

export function EditableList<K extends string, T extends { id: string }>({ list, field, title, addLabel, addTestid, listTestid, form, row, children }: Props<K, T>) {
  const upsert = (r: T) =>
    list.setData((old) => {
      if (!old) return old;
      const rows = old[field];
      const known = rows.some((x) => x.id === r.id);
      return { ...old, [field]: known ? rows.map((x) => (x.id === r.id ? r : x)) : [r, ...rows] };
    });
  const adding = useEditing(upsert);
  return (
    <section class="screen">
      <ScreenTitle
        extra={
          !adding.editing && (
            <button type="button" class="btn btn-primary" onClick={adding.edit} data-testid={addTestid}>
              {addLabel}
            </button>
          )
        }
      >
        {title}
      </ScreenTitle>
      {adding.editing && form(adding.done)}
      {children}
      {list.error && <Failure message={list.error} onRetry={list.reload} />}
      {!list.data && list.loading && <Loading />}
      {list.data && (
        <ul class="list" data-testid={listTestid}>
          {list.data[field].map((r) => row(r, upsert))}
        </ul>
      )}
    </section>
  );
}
