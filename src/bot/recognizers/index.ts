import type { LlmClient, LlmLogger } from '../../llm/types.js';
import type { Recognizer } from '../recognizer.js';
import { LocalRecognizer } from './local.js';
import { OpenAIRecognizer } from './openai.js';

/** What {@link createRecognizer} needs: a language model only when OpenAI is configured. */
export interface RecognizerSetup {
  llm?: LlmClient;
  logger?: LlmLogger;
}

/** The recognizer for the configured language features: OpenAI backed by the local one, or local alone. */
export function createRecognizer(setup: RecognizerSetup = {}): Recognizer {
  const local = new LocalRecognizer();
  return setup.llm ? new OpenAIRecognizer({ llm: setup.llm, fallback: local, logger: setup.logger }) : local;
}
