"""What the ORM does with an expression, and what the project's models are.

Shared by the data-access rules (libcst) and the project index (stdlib ``ast``): both turn an
expression such as ``Post.objects.select_related("author").filter(x=1).first()`` into a *chain*
of segments (:mod:`.chains`) and :func:`.query_calls.classify` reads the chain with the names of
:mod:`.vocabulary`; :mod:`.sql_statements` reads SQL text and statement builders.
:mod:`.model_facts` collects each module's models and querying functions for the project index,
and :mod:`.model_graph` joins them into the model graph.
"""
