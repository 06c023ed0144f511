import { api } from './api';
import { start } from './signin';

void start(document.getElementById('app')!, api);
