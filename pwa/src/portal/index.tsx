import { render } from 'preact';
import { Portal } from './Portal';
import './portal.css';

const root = document.getElementById('portal')!;
root.textContent = ''; // the static loading shell of portal.html
render(<Portal />, root);
