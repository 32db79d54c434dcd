import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { providerRoutes } from './providers/routes.js';
import { tokenRoutes } from './auth/routes.js';
import { compoundRoutes } from './compounds/routes.js';
import { seasonRoutes } from './seasons/routes.js';
import { householdRoutes } from './households/routes.js';
import { accountRoutes } from './accounts/routes.js';
import { readingRoutes } from './readings/routes.js';
import { correctionRoutes } from './settlement/routes.js';
import { invoiceRoutes } from './invoices/routes.js';
import { statementRoutes } from './statements/routes.js';
import { paymentRoutes } from './payments/routes.js';
import { reportRoutes } from './reports/routes.js';
import { billingRoutes } from './billing/routes.js';
import { exceptionRoutes } from './exceptions/routes.js';
import { arrearsRoutes } from './arrears/routes.js';
import { noticeRoutes } from './notices/routes.js';
import { webhookRoutes } from './webhooks/routes.js';

/** The /v1 API: one plugin per feature folder. */
export const v1Routes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(providerRoutes);
  await app.register(tokenRoutes);
  await app.register(compoundRoutes);
  await app.register(seasonRoutes);
  await app.register(householdRoutes);
  await app.register(accountRoutes);
  await app.register(readingRoutes);
  await app.register(correctionRoutes);
  await app.register(invoiceRoutes);
  await app.register(statementRoutes);
  await app.register(paymentRoutes);
  await app.register(reportRoutes);
  await app.register(billingRoutes);
  await app.register(exceptionRoutes);
  await app.register(arrearsRoutes);
  await app.register(noticeRoutes);
  await app.register(webhookRoutes);
};
