import type { TurnContext } from 'botbuilder';
import type { Logger } from '../log.js';

/**
 * Every channel's `onTurnError`: logs the failure (never the message text) and tells the customer,
 * so a failed turn is never silent.
 */
export function turnErrorHandler(logger: Logger): (context: TurnContext, error: Error) => Promise<void> {
  return async (context, error) => {
    logger.error(
      {
        err: error,
        channelId: context.activity.channelId,
        conversationId: context.activity.conversation?.id,
      },
      'bot turn failed',
    );
    try {
      await context.sendActivity(
        'Sorry, something went wrong on our side. Please try that again in a moment.',
      );
    } catch (sendError) {
      logger.error({ err: sendError }, 'could not tell the user about a failed turn');
    }
  };
}
