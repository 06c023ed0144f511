// The window's entry point: starts the app's screens in `#app`, and the update panel in
// `#update`, with the real commands.
import { api } from './api';
import { start } from './app';

void start(document.getElementById('app')!, api, document.getElementById('update')!);
