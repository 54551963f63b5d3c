/** GraphiQL for the backend's /graphql/ (served by Django in DEBUG). Session cookie + CSRF header. */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './graphiql.css';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { csrfToken } from './api/client';

type Fetcher = Parameters<typeof GraphiQL>[0]['fetcher'];

const fetcher: Fetcher = async (params) => {
  const response = await fetch('/graphql/', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(params),
  });
  return response.json();
};

const defaultQuery = `# The marketplace API. Sign in first (mutation login) for your orders.
{
  me { username isSeller isStaff }
  checkoutConfig { mode widgetKey separatelyConfirmed }
  products(first: 5) { edges { node { id name price stock seller { name } } } }
}
`;

const root = document.getElementById('graphiql');
if (root) createRoot(root).render(createElement(GraphiQL, { fetcher, defaultQuery }));
