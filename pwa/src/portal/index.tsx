import { render } from 'preact';
import { isBookingPage } from './api';
import { Booking } from './Booking';
import { Portal } from './Portal';
import './portal.css';

const root = document.getElementById('portal')!;
root.textContent = ''; // the static loading shell of portal.html
// /p/#<token>: a job's portal; /b/#<token>: a booking link's page (book, confirm, move or cancel a visit)
render(isBookingPage() ? <Booking /> : <Portal />, root);
