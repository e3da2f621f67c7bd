// The admin's expenses and opening balance, on the dashboard's cash card: the month's expenses (rent, wages,
// utilities, other; once or every month until an optional end; a site's or the whole garage's) with add, edit and
// delete, and the month's opening cash. After each change the card's projected cash is fetched again (onChanged).
import { useState } from 'preact/hooks';
import { formatDate, t } from '../../../shared/i18n';
import type { UserError } from '../../../shared/types';
import { ERRORS, EnumSelect, Failure, Field, FormButtons, FormErrors, Loading, errorsFor, money, mutate, newMutationId, otherErrors, toMinor, useQuery, useSave } from '../common';
import type { Site } from '../common';
import './expenses.css';

const INT_MAX = 2147483647; // GraphQL's Int: larger amounts cannot be sent
const CATEGORIES = ['RENT', 'WAGES', 'UTILITIES', 'OTHER'] as const;

export interface Expense {
  id: string;
  category: string;
  description: string;
  amount: number;
  spentOn: string;
  siteId: string | null;
  recurring: boolean;
  endsOn: string | null;
  version: number;
}
const EXPENSE = 'id category description amount spentOn siteId recurring endsOn version';

export const CASH_EXPENSES = `query CashExpenses($siteId: ID) { cashMonth(siteId: $siteId) {
  month openingBalance expensesTotal projected expenses { day expense { ${EXPENSE} } } } }`;
const CREATE = `mutation CreateExpense($input: CreateExpenseInput!) { createExpense(input: $input) { expense { ${EXPENSE} } ${ERRORS} } }`;
const UPDATE = `mutation UpdateExpense($input: UpdateExpenseInput!) { updateExpense(input: $input) { expense { ${EXPENSE} } ${ERRORS} } }`;
const DELETE = `mutation DeleteExpense($input: DeleteExpenseInput!) { deleteExpense(input: $input) { deletedId ${ERRORS} } }`;
const OPENING = `mutation SetCashOpening($input: SetCashOpeningInput!) { setCashOpening(input: $input) { month amount ${ERRORS} } }`;

interface CashExpenses {
  cashMonth: { month: string; openingBalance: number | null; expensesTotal: number; projected: number; expenses: { day: string; expense: Expense }[] };
}

export function categoryLabel(c: string): string {
  switch (c) {
    case 'RENT':
      return t('Rent');
    case 'WAGES':
      return t('Wages');
    case 'UTILITIES':
      return t('Utilities');
    case 'OTHER':
      return t('Other');
    default:
      return c;
  }
}

/** "-1,250.50" -> -125050 (an opening balance may be overdrawn); null when it is not an amount. */
function signedMinor(text: string): number | null {
  const v = text.trim().replace(/^[−-]\s*/, '');
  const minor = toMinor(v);
  return minor == null ? null : /^\s*[−-]/.test(text) ? -minor : minor;
}

function amountText(minor: number): string {
  return (minor / 100).toFixed(2);
}

/** The "Expenses" and "Opening balance" buttons of the cash card and the panel each opens (admins only). */
export default function CashExpensesPanel({ site, sites, onChanged }: { site: string | null; sites: Site[]; onChanged: () => void }) {
  const [open, setOpen] = useState<'expenses' | 'opening' | null>(null);
  const month = useQuery<CashExpenses>(CASH_EXPENSES, open ? { siteId: site } : null);
  const changed = () => {
    month.reload();
    onChanged();
  };
  return (
    <div class="dash-expenses" data-testid="cash-expenses">
      <div class="dash-expenses-buttons">
        <button type="button" class={`btn btn-small ${open === 'expenses' ? 'btn-primary' : 'btn-secondary'}`} aria-expanded={open === 'expenses'}
          onClick={() => setOpen(open === 'expenses' ? null : 'expenses')} data-testid="cash-expenses-open">
          {t('Expenses')}
        </button>
        <button type="button" class={`btn btn-small ${open === 'opening' ? 'btn-primary' : 'btn-secondary'}`} aria-expanded={open === 'opening'}
          onClick={() => setOpen(open === 'opening' ? null : 'opening')} data-testid="cash-opening-open">
          {t('Opening balance')}
        </button>
      </div>
      {open &&
        (month.error ? (
          <Failure message={month.error} onRetry={month.reload} />
        ) : !month.data ? (
          <Loading />
        ) : open === 'expenses' ? (
          <ExpenseList data={month.data.cashMonth} site={site} sites={sites} onChanged={changed} />
        ) : (
          <OpeningForm key={month.data.cashMonth.month} month={month.data.cashMonth.month} amount={month.data.cashMonth.openingBalance}
            onSaved={() => {
              changed();
              setOpen(null);
            }} onCancel={() => setOpen(null)} />
        ))}
    </div>
  );
}

function ExpenseList({ data, site, sites, onChanged }: { data: CashExpenses['cashMonth']; site: string | null; sites: Site[]; onChanged: () => void }) {
  const [editing, setEditing] = useState<Expense | 'new' | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const siteName = (id: string | null) => (id ? (sites.find((s) => s.id === id)?.name ?? t('A site')) : t('Whole garage'));
  async function remove(e: Expense) {
    if (!window.confirm(t('Delete the expense {name} of {amount}?', { name: e.description || categoryLabel(e.category), amount: money(e.amount) }))) return;
    const r = await mutate<{ deletedId: string | null; errors: UserError[] }>(DELETE, { id: e.id, clientMutationId: newMutationId() }, 'deleteExpense');
    setErrors(r.errors);
    if (r.payload?.deletedId) onChanged();
  }
  if (editing) {
    return (
      <ExpenseForm expense={editing === 'new' ? null : editing} month={data.month} site={site} sites={sites}
        onSaved={() => {
          setEditing(null);
          onChanged();
        }} onCancel={() => setEditing(null)} />
    );
  }
  return (
    <div class="dash-expense-list" data-testid="expense-list">
      <h3 class="dash-sub">{t('Expenses this month')}</h3>
      {data.expenses.length === 0 ? (
        <p class="muted small" data-testid="expense-empty">{t('No expenses entered for this month.')}</p>
      ) : (
        <ul class="dash-rows">
          {data.expenses.map(({ day, expense: e }) => (
            <li key={e.id} class="dash-row dash-expense" data-testid="expense-row" data-expense-id={e.id}>
              <span class="dash-row-name">
                <strong>{categoryLabel(e.category)}</strong>
                {e.description && ` · ${e.description}`}
                <span class="muted small dash-expense-when">
                  {formatDate(day)} · {siteName(e.siteId)}
                  {e.recurring && ` · ${e.endsOn ? t('monthly until {date}', { date: formatDate(e.endsOn) }) : t('monthly')}`}
                </span>
              </span>
              <span class="dash-row-figure plain" data-testid="expense-amount">{money(e.amount)}</span>
              <span class="dash-expense-actions">
                <button type="button" class="btn btn-secondary btn-small" onClick={() => setEditing(e)} data-testid="expense-edit">
                  {t('Edit')}
                </button>
                <button type="button" class="btn btn-secondary btn-small" onClick={() => remove(e)} data-testid="expense-delete">
                  {t('Delete')}
                </button>
              </span>
            </li>
          ))}
          <li class="dash-row" data-testid="expense-total">
            <span class="dash-row-name">{t('Total')}</span>
            <span class="dash-row-figure plain">{money(data.expensesTotal)}</span>
          </li>
        </ul>
      )}
      <FormErrors errors={errors} />
      <button type="button" class="btn btn-primary btn-small" onClick={() => setEditing('new')} data-testid="expense-add">
        {t('Add an expense')}
      </button>
    </div>
  );
}

function ExpenseForm({ expense, month, site, sites, onSaved, onCancel }: {
  expense: Expense | null;
  month: string;
  site: string | null;
  sites: Site[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [category, setCategory] = useState(expense?.category ?? 'RENT');
  const [description, setDescription] = useState(expense?.description ?? '');
  const [amount, setAmount] = useState(expense ? amountText(expense.amount) : '');
  const [spentOn, setSpentOn] = useState(expense?.spentOn ?? month);
  const [siteId, setSiteId] = useState(expense ? (expense.siteId ?? '') : (site ?? ''));
  const [recurring, setRecurring] = useState(expense?.recurring ?? false);
  const [endsOn, setEndsOn] = useState(expense?.endsOn ?? '');
  const { errors, busy, save } = useSave<Expense>(() => onSaved());
  const shown = ['category', 'description', 'amount', 'spentOn', 'siteId', 'endsOn'];

  function submit(ev: Event) {
    ev.preventDefault();
    const minor = toMinor(amount);
    const problems: UserError[] = [];
    if (minor == null || minor > INT_MAX) problems.push({ field: 'amount', code: 'INVALID_VALUE', message: t('Enter an amount such as 1250 or 1250.50.') });
    if (!spentOn) problems.push({ field: 'spentOn', code: 'REQUIRED', message: t('Choose the day.') });
    const fields = {
      category, description, amount: minor, spentOn, siteId: siteId || null, recurring,
      endsOn: recurring && endsOn ? endsOn : null, clientMutationId: newMutationId(),
    };
    save(
      problems,
      () =>
        expense
          ? mutate<{ expense: Expense | null; errors: UserError[] }>(UPDATE, { ...fields, id: expense.id, expectedVersion: expense.version }, 'updateExpense')
          : mutate<{ expense: Expense | null; errors: UserError[] }>(CREATE, fields, 'createExpense'),
      (p) => p.expense,
    );
  }

  return (
    <form class="dash-expense-form" onSubmit={submit} noValidate data-testid="expense-form">
      <h3 class="dash-sub">{expense ? t('Change the expense') : t('A new expense')}</h3>
      <EnumSelect label={t('Kind')} errors={errorsFor(errors, 'category')} values={CATEGORIES} labelOf={categoryLabel} value={category}
        onChange={setCategory} testid="expense-category" />
      <Field label={t('Description')} errors={errorsFor(errors, 'description')}>
        {(p) => <input {...p} value={description} maxLength={200} onInput={(e) => setDescription(e.currentTarget.value)} data-testid="expense-description" />}
      </Field>
      <Field label={t('Amount')} errors={errorsFor(errors, 'amount')}>
        {(p) => <input {...p} inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} data-testid="expense-amount-input" />}
      </Field>
      <Field label={recurring ? t('First month, from the day') : t('Day')} errors={errorsFor(errors, 'spentOn')}>
        {(p) => <input {...p} type="date" value={spentOn} onInput={(e) => setSpentOn(e.currentTarget.value)} data-testid="expense-day" />}
      </Field>
      <Field label={t('Site')} errors={errorsFor(errors, 'siteId')}>
        {(p) => (
          <select {...p} value={siteId} onChange={(e) => setSiteId(e.currentTarget.value)} data-testid="expense-site">
            <option value="">{t('Whole garage')}</option>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <label class="check">
        <input type="checkbox" checked={recurring} onChange={(e) => setRecurring(e.currentTarget.checked)} data-testid="expense-recurring" />
        <span>{t('Every month')}</span>
      </label>
      {recurring && (
        <Field label={t('Until (optional)')} errors={errorsFor(errors, 'endsOn')}>
          {(p) => <input {...p} type="date" value={endsOn} onInput={(e) => setEndsOn(e.currentTarget.value)} data-testid="expense-ends" />}
        </Field>
      )}
      <FormErrors errors={otherErrors(errors, shown)} />
      <FormButtons busy={busy} saveTestid="expense-save" onCancel={onCancel} />
    </form>
  );
}

function OpeningForm({ month, amount, onSaved, onCancel }: { month: string; amount: number | null; onSaved: () => void; onCancel: () => void }) {
  const [text, setText] = useState(amount == null ? '' : amountText(amount));
  const { errors, busy, save } = useSave<{ amount: number }>(() => onSaved());
  function submit(ev: Event) {
    ev.preventDefault();
    const minor = signedMinor(text);
    const problems: UserError[] = minor == null || Math.abs(minor) > INT_MAX ? [{ field: 'amount', code: 'INVALID_VALUE', message: t('Enter an amount such as 1250 or 1250.50.') }] : [];
    save(
      problems,
      () => mutate<{ amount: number | null; errors: UserError[] }>(OPENING, { month, amount: minor, clientMutationId: newMutationId() }, 'setCashOpening'),
      (p) => (p.amount == null ? null : { amount: p.amount }),
    );
  }
  return (
    <form class="dash-expense-form" onSubmit={submit} noValidate data-testid="opening-form">
      <h3 class="dash-sub">{t('Opening cash on {date}', { date: formatDate(month) })}</h3>
      <Field label={t('Opening balance')} hint={t('The whole garage’s cash; a minus sign if overdrawn.')} errors={errorsFor(errors, 'amount', 'month')}>
        {(p) => <input {...p} inputMode="decimal" value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="opening-amount" />}
      </Field>
      <FormErrors errors={otherErrors(errors, ['amount', 'month'])} />
      <FormButtons busy={busy} saveTestid="opening-save" onCancel={onCancel} />
    </form>
  );
}
