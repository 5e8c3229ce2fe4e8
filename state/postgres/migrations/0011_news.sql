-- 11: the admins' news (issue 14), shown to every user.

CREATE TABLE news (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	title      text NOT NULL,
	text       text NOT NULL,
	author     text NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL
);
