import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { LiveMessagesComponent } from './app/live-messages.component';

// No zone.js: signals tell Angular when to render.
bootstrapApplication(LiveMessagesComponent, {
  providers: [provideZonelessChangeDetection()],
}).catch((err: unknown) => console.error(err));
