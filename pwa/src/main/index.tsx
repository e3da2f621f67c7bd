import { render } from 'preact';
import { App } from './App';
import { initAuth } from '../shared/auth';
import { startSync } from '../shared/outbox';
import './styles.css';

void initAuth();
startSync();
render(<App />, document.getElementById('app')!);
