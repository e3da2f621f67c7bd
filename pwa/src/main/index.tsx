import { render } from 'preact';
import { App } from './App';
import { initAuth } from '../shared/auth';
import './styles.css';

void initAuth();
render(<App />, document.getElementById('app')!);
