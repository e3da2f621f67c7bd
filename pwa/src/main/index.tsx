import { render } from 'preact';
import { App } from './App';
import { initAuth } from '../shared/auth';
import { installErrorReporter } from '../shared/errors';
import { startSync } from '../shared/outbox';
import './styles.css';

installErrorReporter(); // unhandled errors go to the API's /client-errors (shared/errors.ts)
void initAuth();
startSync();
render(<App />, document.getElementById('app')!);
